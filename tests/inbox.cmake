intake_test(inbox_test SOURCES inbox_test.cc LIBS intake::inbox)
