#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace intake {

void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("intake");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace intake
