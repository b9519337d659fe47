# The example program is run by an integration test.
if(TARGET http_get)
  add_dependencies(${exe} http_get)
endif()
