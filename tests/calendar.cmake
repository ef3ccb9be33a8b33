intake_test(calendar_test SOURCES calendar_test.cc LIBS intake::calendar)
