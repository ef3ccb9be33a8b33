intake_test(queue_test SOURCES queue_test.cc LIBS intake::pipeline intake::store intake::calendar SQLiteCpp)
