intake_test(recognizer_test SOURCES recognizer_test.cc
  LIBS intake::recognizer intake::extract intake::templates opencv_core opencv_imgcodecs)

# Needs python3-torch (scripts/install-training-deps.sh, which scripts/test.sh runs).
intake_test(recognizer_train_test SOURCES recognizer_train_test.cc LIBS intake::recognizer nlohmann_json::nlohmann_json)
