intake_test(score_test SOURCES score_test.cc LIBS intake::pipeline)
