intake_test(recognizer_test SOURCES recognizer_test.cc
  LIBS intake::recognizer intake::extract intake::templates opencv_core opencv_imgcodecs)
