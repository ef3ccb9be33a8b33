intake_test(templates_test SOURCES templates_test.cc LIBS intake::templates nlohmann_json::nlohmann_json)
