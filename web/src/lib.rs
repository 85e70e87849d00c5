//! The Keyflow playground. It only renders and edits state; every decision it
//! shows comes from the engine crates.

use yew::prelude::*;

/// Engine status line: proves the engine answered inside the page.
fn engine_line() -> String {
    format!("engine keyflow-policy {}", keyflow_policy::VERSION)
}

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <div class="app">
            <header class="topbar">
                <h1 class="brand">{ "Keyflow" }</h1>
                <p class="tagline">{ "How KMS key policies, bucket policies and IAM policies combine when AWS services do the work." }</p>
                <p class="engine" data-testid="engine-line">{ engine_line() }</p>
            </header>
            <main class="layout">
                <nav class="scenarios" aria-label="Scenarios">
                    <h2>{ "Scenarios" }</h2>
                </nav>
                <section class="editors" aria-label="Policies">
                    <h2>{ "Policies" }</h2>
                </section>
                <section class="timeline" aria-label="Flow timeline">
                    <h2>{ "Timeline" }</h2>
                </section>
            </main>
        </div>
    }
}
