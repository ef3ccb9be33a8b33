intake_test(ocr_test SOURCES ocr_test.cc
  LIBS intake::ocr intake::preprocess opencv_core opencv_imgproc nlohmann_json::nlohmann_json)
