intake_test(route_test SOURCES route_test.cc LIBS intake::route)
