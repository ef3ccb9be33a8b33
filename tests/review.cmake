intake_test(review_test SOURCES review_test.cc
  LIBS intake::review intake::store intake::decode intake::templates Boost::headers Threads::Threads
       OpenSSL::SSL OpenSSL::Crypto)
