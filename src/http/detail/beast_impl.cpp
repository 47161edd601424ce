// The bodies of Asio and Beast, compiled once for the whole program (see the
// BOOST_*_SEPARATE_COMPILATION definitions in CMakeLists.txt) instead of in every file.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
