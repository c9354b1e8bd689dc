// The one translation unit that compiles Asio, Asio-SSL and Beast
// (BOOST_{ASIO,BEAST}_SEPARATE_COMPILATION), as Beast's own test/lib_asio.cpp
// and test/lib_beast.cpp do.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
