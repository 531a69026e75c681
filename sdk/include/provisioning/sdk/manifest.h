#pragma once

// Declares a plugin's manifest and factory. Use it once per plugin, in one source file:
//
//   PROVISIONING_PLUGIN_MANIFEST(
//       "kind=provider\n"
//       "name=local\n"
//       "version=1.0.0\n"
//       "description=Servers as directories on this machine\n")
//   PROVISIONING_PLUGIN_FACTORY(LocalProvider)
//
// provisioning_add_plugin() in CMake generates the manifest line from its arguments, so
// authors normally write only PROVISIONING_PLUGIN_FACTORY.
//
// The manifest is "key=value" lines in a named ELF section. The host reads it straight
// from the file, without loading the library, so listing plugins runs no plugin code.
// The SDK ABI version line is appended here from the headers the plugin was compiled
// with. The same text is exported as a Boost.DLL alias, which the loader compares with
// the section after loading, as a guard against a rewritten file.

#include <boost/dll/alias.hpp>

#include "provisioning/sdk/plugin.h"

// Test builds may define PROVISIONING_PLUGIN_SDK_ABI to produce a plugin for another
// ABI version; plugins never should.
#ifndef PROVISIONING_PLUGIN_SDK_ABI
#define PROVISIONING_PLUGIN_SDK_ABI PROVISIONING_SDK_ABI_VERSION
#endif

#define PROVISIONING_SDK_STRINGIFY_(x) #x
#define PROVISIONING_SDK_STRINGIFY(x) PROVISIONING_SDK_STRINGIFY_(x)

#define PROVISIONING_PLUGIN_MANIFEST(LINES)                                                   \
  namespace provisioning_plugin_generated {                                                   \
  __attribute__((used, section(".provisioning_manifest"))) const char manifest_text[] =       \
      "provisioning-plugin-manifest\n" LINES                                                  \
      "sdk_abi=" PROVISIONING_SDK_STRINGIFY(PROVISIONING_PLUGIN_SDK_ABI) "\n";                \
  BOOST_DLL_ALIAS(provisioning_plugin_generated::manifest_text, provisioning_plugin_manifest) \
  }

#define PROVISIONING_PLUGIN_FACTORY(CLASS)                                                        \
  namespace provisioning_plugin_generated {                                                       \
  ::provisioning::sdk::Plugin* create_plugin(const ::provisioning::sdk::PluginContext& context) { \
    return new CLASS(context);                                                                    \
  }                                                                                               \
  BOOST_DLL_ALIAS(provisioning_plugin_generated::create_plugin, provisioning_plugin_factory)      \
  }
