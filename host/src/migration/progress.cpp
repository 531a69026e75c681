#include "progress.h"

#include <unistd.h>

namespace provisioning::host::migration {
namespace {

constexpr std::chrono::milliseconds kPrintInterval{200};

}  // namespace

std::string format_progress(const MigrationProgress& progress, double seconds) {
  std::string line = progress.phase;
  if (!progress.collection.empty()) line += " " + progress.collection;
  line += ": " + std::to_string(progress.records_done);
  if (progress.records_total > 0) line += "/" + std::to_string(progress.records_total);
  line += " records";
  if (seconds <= 0 || progress.records_done == 0) return line;
  double rate = static_cast<double>(progress.records_done) / seconds;
  line += ", " + std::to_string(static_cast<std::uint64_t>(rate)) + "/s";
  if (progress.records_total > progress.records_done) {
    double left = static_cast<double>(progress.records_total - progress.records_done) / rate;
    line += ", about " + std::to_string(static_cast<std::uint64_t>(left + 0.5)) + " s left";
  }
  return line;
}

TerminalProgress::TerminalProgress(std::FILE* stream)
    : stream_(stream), enabled_(::isatty(::fileno(stream)) != 0) {}

void TerminalProgress::update(const MigrationProgress& progress) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (progress.phase != phase_) {
    phase_ = progress.phase;
    phase_start_ = now;
  } else if (now - last_print_ < kPrintInterval &&
             progress.records_done != progress.records_total) {
    return;
  }
  last_print_ = now;
  double seconds = std::chrono::duration<double>(now - phase_start_).count();
  std::fprintf(stream_, "\r\033[K%s", format_progress(progress, seconds).c_str());
  std::fflush(stream_);
  printed_ = true;
}

void TerminalProgress::finish() {
  if (!printed_) return;
  std::fprintf(stream_, "\n");
  printed_ = false;
}

ProgressCallback TerminalProgress::callback() {
  return [this](const MigrationProgress& progress) { update(progress); };
}

}  // namespace provisioning::host::migration
