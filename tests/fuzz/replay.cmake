# Included by tests/CMakeLists.txt: every fuzz target built by the ordinary compiler with
# replay_main.c instead of libFuzzer (so in the plain and the ASan build), run over its seeds
# and its kept crash inputs (tests/fuzz/regress/<target>/) by replay.sh: unit.fuzz_replay.<target>.
set(FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
set(fuzz_replay_libs_feed_parse cs_aws)
set(fuzz_replay_libs_currentevents cs_aws)
set(fuzz_replay_libs_config cs_model)
set(fuzz_replay_libs_serve_form cs_http cs_email cs_model PkgConfig::JANSSON)
set(fuzz_replay_libs_mail_msg cs_email PkgConfig::GMIME PkgConfig::GLIB)
foreach(t feed_parse currentevents config serve_form mail_msg)
  add_executable(replay_fuzz_${t} ${FUZZ_DIR}/replay_main.c ${FUZZ_DIR}/fuzz_${t}.c)
  target_link_libraries(replay_fuzz_${t} PRIVATE ${fuzz_replay_libs_${t}})
  add_test(NAME unit.fuzz_replay.${t}
    COMMAND sh ${FUZZ_DIR}/replay.sh $<TARGET_FILE:replay_fuzz_${t}> ${t} ${CMAKE_SOURCE_DIR})
  set_tests_properties(unit.fuzz_replay.${t} PROPERTIES LABELS "unit;fuzz" TIMEOUT 120)
endforeach()
