//! The simulated networks' access tokens: what the demo's profiles and the tests connect
//! with, and what the simulator accepts (see [`crate::simulator`]).

use inbox_domain::Network;

/// A token of the simulated networks: it acts as the presences `ids` of `network` (a Page, an
/// Instagram account, an X user, the LinkedIn organisations a member administers, a YouTube
/// channel). The demo's profiles and the tests connect with these; any other token is unknown
/// to the simulator, as a made-up token is to a real network. Anything after a further `:`
/// tells tokens of one presence apart (`sim-token:linkedin:5515715:renewed`).
pub fn sim_token(network: Network, ids: &[&str]) -> String {
    format!("sim-token:{network}:{}", ids.join(","))
}
