intake_test(corpus_test SOURCES corpus_test.cc
  LIBS intake::corpus intake::templates intake::decode intake::email intake::validate intake::route intake::calendar
       PkgConfig::TIFF nlohmann_json::nlohmann_json)
