intake_test(classifiers_test SOURCES classifiers_test.cc
  LIBS intake::classifiers intake::decode intake::preprocess intake::email opencv_core opencv_imgproc
       nlohmann_json::nlohmann_json)
