intake_test(validate_test SOURCES validate_test.cc LIBS intake::validate)
