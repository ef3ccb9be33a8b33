intake_test(bench_test SOURCES bench_test.cc LIBS intake::pipeline intake::core nlohmann_json::nlohmann_json)
