//! A local Bitbucket Server OAuth stand-in for tests and demos (feature `testkit`).
