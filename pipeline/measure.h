// pipeline/measure.h: what the benchmarks read off the process and machine.
//
//   ResetPeakRss();
//   ... work ...
//   double mib = PeakRssMib();
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace intake {

/// Peak resident memory since start or the last ResetPeakRss (VmHWM), in MiB.
double PeakRssMib();
/// Starts a new peak (writes 5 to /proc/self/clear_refs).
void ResetPeakRss();
/// The processor's model name from /proc/cpuinfo.
std::string CpuName();
/// A file's bytes (empty when it cannot be read).
std::vector<std::uint8_t> ReadBytes(const std::filesystem::path& path);
/// The q-quantile (0..1) of `values` by the nearest-rank method; 0 when empty.
double Quantile(std::vector<double> values, double q);

}  // namespace intake
