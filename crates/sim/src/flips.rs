//! Access-matrix cells that flip between two runs (the steps that flip are
//! [`crate::diff`]): what the compare view lists beside the steps.

use serde::Serialize;

use crate::report::{Report, Verdict};

/// One matrix cell whose answer differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    pub flow: String,
    pub principal: String,
    /// `deliver` or `read`.
    pub column: &'static str,
    /// `None`: the row is not in that run.
    pub before: Option<Verdict>,
    pub after: Option<Verdict>,
}

/// The cells whose verdict changed, rows of `after` first, then rows only `before` had.
pub fn matrix_changes(before: &Report, after: &Report) -> Vec<CellChange> {
    let mut out = Vec::new();
    let cells =
        |r: &crate::report::MatrixRow| [("deliver", r.deliver.verdict), ("read", r.read.verdict)];
    for fa in &after.flows {
        let fb = before.flow(&fa.id);
        for row in &fa.matrix {
            let old = fb.and_then(|f| f.matrix.iter().find(|r| r.principal == row.principal));
            for (i, (column, verdict)) in cells(row).into_iter().enumerate() {
                let was = old.and_then(|o| cells(o).get(i).map(|c| c.1));
                if was != Some(verdict) {
                    out.push(CellChange {
                        flow: fa.id.clone(),
                        principal: row.principal.clone(),
                        column,
                        before: was,
                        after: Some(verdict),
                    });
                }
            }
        }
    }
    for fb in &before.flows {
        let fa = after.flow(&fb.id);
        for row in &fb.matrix {
            if fa.is_some_and(|f| f.matrix.iter().any(|r| r.principal == row.principal)) {
                continue;
            }
            for (column, verdict) in cells(row) {
                out.push(CellChange {
                    flow: fb.id.clone(),
                    principal: row.principal.clone(),
                    column,
                    before: Some(verdict),
                    after: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, apply};

    #[test]
    fn a_key_policy_change_flips_the_read_cells_it_touches() {
        let s = crate::builtin("cloudtrail-sse-kms-restricted")
            .unwrap()
            .scenario()
            .unwrap();
        let before = crate::run(&s);
        assert!(matrix_changes(&before, &before).is_empty());
        // Decryption restricted to user2 instead of user1.
        let mut t = s.clone();
        let policy = t.keys[0].policy.replace("user/user1", "user/user2");
        t.keys[0].policy = policy;
        let after = crate::run(&t);
        let changes = matrix_changes(&before, &after);
        assert!(
            changes.iter().any(|c| c.principal == "user2"
                && c.column == "read"
                && c.before == Some(Verdict::ImplicitlyDenied)
                && c.after == Some(Verdict::Allowed)),
            "{changes:#?}"
        );
        assert!(
            changes
                .iter()
                .any(|c| c.principal == "user1" && c.after != Some(Verdict::Allowed))
        );
        // A principal removed: its cells are listed as gone.
        let mut gone = s.clone();
        let i = gone
            .principals
            .iter()
            .position(|p| p.name == "developer")
            .unwrap();
        assert!(apply(
            &mut gone,
            Edit::FlowReader {
                flow: 0,
                principal: "developer".into(),
                on: false
            }
        ));
        assert!(apply(&mut gone, Edit::RemovePrincipal(i)));
        let changes = matrix_changes(&before, &crate::run(&gone));
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.principal == "developer" && c.after.is_none())
                .count(),
            2
        );
    }
}
