# FreeType writes the test's typed values with the DejaVu fonts.
pkg_check_modules(FREETYPE REQUIRED IMPORTED_TARGET freetype2)
intake_test(extract_test SOURCES extract_test.cc
  LIBS intake::extract intake::templates intake::decode opencv_core opencv_imgproc PkgConfig::FREETYPE)
