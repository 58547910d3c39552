// Asio and Beast compiled once for the whole program (BOOST_*_SEPARATE_COMPILATION), instead of in
// every translation unit that uses them: stack.md §4.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
