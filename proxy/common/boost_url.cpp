// Boost.URL compiled once, into this library: Debian's libboost1.81-dev has its headers, and
// src.hpp builds it here instead of linking a separate libboost_url package.
#include <boost/url/src.hpp>
