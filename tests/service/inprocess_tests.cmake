# The gRPC layer in-process: a real server on an in-memory store, reached over InProcessChannel
# (or loopback TCP where the transport itself is under test).
liveevents_test(live_events_service_test live_events_service_test.cc)
target_link_libraries(live_events_service_test PRIVATE liveevents_testing_redis)
liveevents_test(subscribe_reactor_test subscribe_reactor_test.cc)
target_link_libraries(subscribe_reactor_test PRIVATE liveevents_testing_redis)
liveevents_test(restart_test restart_test.cc)
liveevents_test(hostile_requests_test hostile_requests_test.cc)
liveevents_test(journal_test journal_test.cc)
liveevents_test(catch_up_worker_test catch_up_worker_test.cc)
liveevents_test(publish_auth_test publish_auth_test.cc)
liveevents_test(publish_batch_test publish_batch_test.cc)
liveevents_test(server_transport_test server_transport_test.cc)
liveevents_test(revision_waiter_test revision_waiter_test.cc)
