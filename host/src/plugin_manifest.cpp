#include "plugin_manifest.h"

#include <elf.h>
#include <provisioning/sdk/error.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace provisioning::host {
namespace {

constexpr std::string_view kManifestHeader = "provisioning-plugin-manifest";

[[noreturn]] void throw_not_shared_object(const std::filesystem::path& file, std::string_view why) {
  throw sdk::Error::invalid_argument("'" + file.string() + "' is not a shared object (" +
                                     std::string(why) +
                                     "); remove it from the extensions directory or rebuild it "
                                     "as a plugin");
}

template <typename T>
void read_at(std::ifstream& in, std::uint64_t offset, T* out, std::size_t count,
             const std::filesystem::path& file) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(sizeof(T) * count));
  if (!in) throw_not_shared_object(file, "truncated ELF data");
}

Elf64_Ehdr read_elf_header(std::ifstream& in, const std::filesystem::path& file) {
  Elf64_Ehdr header{};
  in.read(reinterpret_cast<char*>(&header), sizeof(header));
  if (!in || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    throw_not_shared_object(file, "no ELF magic number");
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64) throw_not_shared_object(file, "not 64-bit ELF");
  if (header.e_type != ET_DYN) throw_not_shared_object(file, "ELF type is not ET_DYN");
  if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0 ||
      header.e_shstrndx >= header.e_shnum) {
    throw_not_shared_object(file, "invalid section header table");
  }
  return header;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::map<std::string, std::string> parse_fields(const std::string& text) {
  std::map<std::string, std::string> fields;
  for (const std::string& line : split(text, '\n')) {
    std::size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    fields[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return fields;
}

std::string required_field(const std::map<std::string, std::string>& fields,
                           const std::string& key) {
  auto found = fields.find(key);
  if (found == fields.end() || found->second.empty()) {
    throw sdk::Error::invalid_argument("plugin manifest has no '" + key + "' field");
  }
  return found->second;
}

std::string optional_field(const std::map<std::string, std::string>& fields,
                           const std::string& key) {
  auto found = fields.find(key);
  return found == fields.end() ? std::string() : found->second;
}

}  // namespace

const std::vector<sdk::PluginKind>& all_plugin_kinds() {
  static const std::vector<sdk::PluginKind> kinds = {
      sdk::PluginKind::kProvider, sdk::PluginKind::kTaskserv, sdk::PluginKind::kStorage,
      sdk::PluginKind::kApi};
  return kinds;
}

std::optional<sdk::PluginKind> parse_plugin_kind(std::string_view name) {
  for (sdk::PluginKind kind : all_plugin_kinds()) {
    if (name == sdk::to_string(kind)) return kind;
  }
  return std::nullopt;
}

PluginManifest parse_manifest(const std::string& text) {
  if (text.rfind(kManifestHeader, 0) != 0) {
    throw sdk::Error::invalid_argument("plugin manifest does not start with '" +
                                       std::string(kManifestHeader) + "'");
  }
  auto fields = parse_fields(text);
  PluginManifest manifest;
  std::string kind = required_field(fields, "kind");
  auto parsed_kind = parse_plugin_kind(kind);
  if (!parsed_kind) {
    throw sdk::Error::invalid_argument("plugin manifest names unknown kind '" + kind +
                                       "'; expected provider, taskserv, storage or api");
  }
  manifest.kind = *parsed_kind;
  manifest.name = required_field(fields, "name");
  manifest.version = required_field(fields, "version");
  std::string abi = required_field(fields, "sdk_abi");
  try {
    manifest.sdk_abi = std::stoi(abi);
  } catch (const std::exception&) {
    throw sdk::Error::invalid_argument("plugin manifest has invalid sdk_abi '" + abi + "'");
  }
  manifest.description = optional_field(fields, "description");
  manifest.author = optional_field(fields, "author");
  manifest.license = optional_field(fields, "license");
  manifest.capabilities = split(optional_field(fields, "capabilities"), ',');
  manifest.text = text;
  return manifest;
}

std::string read_manifest_section(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(file)) {
      throw sdk::Error::not_found("plugin file not found: '" + file.string() + "'");
    }
    throw sdk::Error::unavailable("cannot read plugin file '" + file.string() + "'");
  }
  Elf64_Ehdr header = read_elf_header(in, file);

  std::vector<Elf64_Shdr> sections(header.e_shnum);
  read_at(in, header.e_shoff, sections.data(), sections.size(), file);
  const Elf64_Shdr& names_section = sections[header.e_shstrndx];
  std::string names(names_section.sh_size, '\0');
  read_at(in, names_section.sh_offset, names.data(), names.size(), file);

  for (const Elf64_Shdr& section : sections) {
    if (section.sh_name >= names.size()) continue;
    if (std::strcmp(names.c_str() + section.sh_name, sdk::kManifestSection) != 0) continue;
    if (section.sh_size == 0 || section.sh_size > 64 * 1024) break;
    std::string text(section.sh_size, '\0');
    read_at(in, section.sh_offset, text.data(), text.size(), file);
    text.resize(std::strlen(text.c_str()));
    return text;
  }
  throw sdk::Error::invalid_argument(
      "'" + file.string() + "' has no plugin manifest (ELF section " + sdk::kManifestSection +
      "); build it with provisioning_add_plugin() or PROVISIONING_PLUGIN_MANIFEST");
}

}  // namespace provisioning::host
