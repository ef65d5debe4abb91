# ctest driver (cmake -P): installs the client component of the build tree BUILD_DIR into a fresh
# prefix under WORK_DIR, configures and builds package_consumer/ against it with find_package,
# and runs the result. Fails on any step's error, printing that step's output.
foreach(var BUILD_DIR WORK_DIR SOURCE_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "package_test.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${name} failed (${result}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --component client --prefix ${prefix})
# Only the client's files: no server, gateway or livectl binaries in the package.
file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/*)
foreach(file ${installed})
  if(file MATCHES "bin/|internal/|state\\.pb\\.h")
    message(FATAL_ERROR "the client package installs ${file}")
  endif()
endforeach()
# CXX_COMPILER and LINK_FLAGS (optional): the project's compiler, the sanitizer runtimes.
set(extra_args)
if(CXX_COMPILER)
  list(APPEND extra_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(LINK_FLAGS)
  list(APPEND extra_args "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}")
endif()
run_step(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release ${extra_args})
run_step(build ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run_step(run ${WORK_DIR}/build/consumer)
if(NOT step_output MATCHES "consumer .*\"store\":\"memory\"")
  message(FATAL_ERROR "unexpected consumer output: ${step_output}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
