# MySQL Connector/C++ 1.1 (Debian's libmysqlcppconn-dev) ships no CMake or pkg-config file:
# this defines the imported target mysqlcppconn::mysqlcppconn.
find_path(MYSQLCPPCONN_INCLUDE_DIR mysql_driver.h REQUIRED)
find_library(MYSQLCPPCONN_LIBRARY mysqlcppconn REQUIRED)
add_library(mysqlcppconn::mysqlcppconn UNKNOWN IMPORTED)
set_target_properties(mysqlcppconn::mysqlcppconn PROPERTIES
  IMPORTED_LOCATION "${MYSQLCPPCONN_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${MYSQLCPPCONN_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Boost::headers)  # its headers include Boost
