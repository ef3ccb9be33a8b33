intake_test(config_test SOURCES config_test.cc LIBS intake::config)
