intake_test(store_test SOURCES store_test.cc LIBS intake::store SQLiteCpp)
