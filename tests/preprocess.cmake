intake_test(preprocess_test SOURCES preprocess_test.cc LIBS intake::preprocess opencv_core opencv_imgproc)
