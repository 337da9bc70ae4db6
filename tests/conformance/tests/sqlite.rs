//! The conformance suites on the embedded adapters (SQLite, local queues, `.eml` outbox).

mod store {
    inbox_conformance::store_conformance!(inbox_conformance::backends::sqlite());
}

mod queue {
    inbox_conformance::queue_conformance!(inbox_conformance::backends::sqlite_queue());
}

mod mail {
    inbox_conformance::mail_conformance!(inbox_conformance::backends::outbox_mail());
}
