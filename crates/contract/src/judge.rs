//! Judging a series of real exchanges against the reference: each answer
//! of a reference operation must validate against the schema the reference
//! gives for its status; a status the reference does not list must be a
//! deliberate one ([`crate::deviations`]) with the reference's `Error` as
//! its body. Exchanges with other endpoints (playtest's own) are skipped.

use std::collections::BTreeSet;

use crate::deviations::is_deliberate_status;
use crate::recorder::Exchange;
use crate::responses::{Checked, ResponseContract};

/// What [`judge`] found.
#[derive(Debug, Default)]
pub struct Judgement {
    /// Answers of reference operations judged.
    pub checked: usize,
    /// Each answer that breaks the reference, with why.
    pub broken: Vec<String>,
    /// Every (operation, status) answered as the reference lists it.
    pub seen: BTreeSet<(String, u16)>,
}

impl Judgement {
    /// The statuses the reference lists that no exchange showed, as
    /// `GET /runs 403`.
    pub fn unseen(&self, contract: &ResponseContract) -> Vec<String> {
        contract
            .operations()
            .flat_map(|(operation, statuses)| {
                statuses
                    .into_iter()
                    .map(move |status| (operation.to_string(), status))
            })
            .filter(|pair| !self.seen.contains(pair))
            .map(|(operation, status)| format!("{operation} {status}"))
            .collect()
    }
}

pub fn judge(contract: &ResponseContract, exchanges: &[Exchange]) -> Judgement {
    let mut judgement = Judgement::default();
    for exchange in exchanges {
        let at = format!(
            "{} {} -> {}",
            exchange.method, exchange.path, exchange.status
        );
        match contract.check(
            &exchange.method,
            &exchange.path,
            exchange.status,
            &exchange.body,
        ) {
            Checked::NotAnOperation => continue,
            Checked::Valid { operation } => {
                judgement.seen.insert((operation, exchange.status));
            }
            Checked::Invalid { errors, .. } => judgement
                .broken
                .push(format!("{at}: {errors:#?}\n{}", exchange.body)),
            Checked::UnlistedStatus { operation, status } => {
                if !is_deliberate_status(&operation, status) {
                    judgement.broken.push(format!(
                        "{at}: the reference lists no {status} for {operation}"
                    ));
                }
                let errors = contract.error_body_errors(&exchange.body);
                if !errors.is_empty() {
                    judgement
                        .broken
                        .push(format!("{at}: not the reference's Error: {errors:#?}"));
                }
            }
        }
        judgement.checked += 1;
    }
    judgement
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn exchange(method: &str, path: &str, status: u16, body: Value) -> Exchange {
        Exchange {
            method: method.into(),
            path: path.into(),
            status,
            body,
        }
    }

    #[test]
    fn breaks_deliberate_statuses_and_other_endpoints_are_told_apart() {
        let contract = ResponseContract::reference();
        let error = json!({"error": "e", "code": "C", "details": {}});
        let judgement = judge(
            &contract,
            &[
                exchange(
                    "GET",
                    "/api/v1/runs",
                    200,
                    json!({"data": [], "pagination": {"page": 0}}),
                ),
                exchange("GET", "/api/v1/runs?page=-1", 400, error.clone()),
                exchange("GET", "/api/v1/runs/abcdefghijkl", 409, error.clone()),
                exchange(
                    "GET",
                    "/api/v1/runs/abcdefghijkl/bugs",
                    200,
                    json!({"bug_occurrences": [{"turn": null}]}),
                ),
                exchange("GET", "/api/v1/tests", 200, json!("anything")),
            ],
        );
        assert_eq!(judgement.checked, 4);
        assert_eq!(judgement.broken.len(), 2, "{:#?}", judgement.broken);
        assert!(
            judgement.broken[0].contains("lists no 409"),
            "{:#?}",
            judgement.broken
        );
        assert!(
            judgement.broken[1].contains("turn"),
            "{:#?}",
            judgement.broken
        );
        assert!(judgement.seen.contains(&("GET /runs".to_string(), 200)));
        assert!(
            judgement
                .unseen(&contract)
                .contains(&"GET /runs 401".to_string())
        );
    }
}
