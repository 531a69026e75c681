# Install rules of the SDK, included from sdk/CMakeLists.txt after the provisioning_sdk
# target is defined. `cmake --install <build> --prefix <P>` then installs:
#
#   <P>/include/provisioning/sdk/*.h
#   <P>/lib/libprovisioning_sdk.so, .so.<abi> and .so.<version>
#   <P>/lib/cmake/ProvisioningSDK/    ProvisioningSDKConfig.cmake, its version file, the
#                                     exported target ProvisioningSDK::sdk and
#                                     ProvisioningPlugin.cmake
#   <P>/lib/pkgconfig/provisioning-sdk.pc
#
# Everything here belongs to the install component "sdk", so
# `cmake --install <build> --component sdk` installs the SDK alone.
include(CMakePackageConfigHelpers)

set(PROVISIONING_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ProvisioningSDK)
set(PROVISIONING_SDK_BOOST_VERSION ${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR})
string(REGEX MATCH "^[0-9]+\\.[0-9]+" PROVISIONING_SDK_SPDLOG_VERSION "${spdlog_VERSION}")

install(TARGETS provisioning_sdk EXPORT ProvisioningSDKTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/provisioning
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
install(EXPORT ProvisioningSDKTargets
  NAMESPACE ProvisioningSDK::
  DESTINATION ${PROVISIONING_SDK_CMAKE_DIR}
  COMPONENT sdk)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/ProvisioningSDKConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ProvisioningSDKConfig.cmake
  INSTALL_DESTINATION ${PROVISIONING_SDK_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_LIBDIR)

# While the SDK is 0.x, every minor release may change the ABI, so only the same minor
# version is compatible; from 1.0 on, the ABI changes only with the major version.
if(PROVISIONING_SDK_VERSION VERSION_LESS 1)
  set(compatibility SameMinorVersion)
else()
  set(compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/ProvisioningSDKConfigVersion.cmake
  VERSION ${PROVISIONING_SDK_VERSION}
  COMPATIBILITY ${compatibility})

install(FILES
  ${PROJECT_BINARY_DIR}/ProvisioningSDKConfig.cmake
  ${PROJECT_BINARY_DIR}/ProvisioningSDKConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/ProvisioningPlugin.cmake
  DESTINATION ${PROVISIONING_SDK_CMAKE_DIR}
  COMPONENT sdk)

# The .pc file finds its prefix from its own location, so it stays valid under any
# --prefix given at install time.
configure_file(${PROJECT_SOURCE_DIR}/sdk/provisioning-sdk.pc.in
  ${PROJECT_BINARY_DIR}/provisioning-sdk.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/provisioning-sdk.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT sdk)
