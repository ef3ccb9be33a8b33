intake_test(email_test SOURCES email_test.cc LIBS intake::email nlohmann_json::nlohmann_json)
