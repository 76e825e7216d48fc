#define BOOST_TEST_MODULE maillon
#include <boost/test/unit_test.hpp>
