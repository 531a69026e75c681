#pragma once

// The SDK exchanges structured data as Boost.JSON values. Plugins and the host must use
// the same Boost version (1.81), which the SDK's CMake package and pkg-config file pin.

#include <boost/json.hpp>

namespace provisioning::sdk {

namespace json = boost::json;

}  // namespace provisioning::sdk
