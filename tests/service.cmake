intake_test(service_test SOURCES service_test.cc LIBS intake::store SQLite::SQLite3)
