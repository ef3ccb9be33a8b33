intake_test(decode_test SOURCES decode_test.cc
  LIBS intake::decode PkgConfig::TIFF PkgConfig::QPDF opencv_core opencv_imgcodecs nlohmann_json::nlohmann_json)
