//! Entry point of the playground bundle: install the panic hook, mount the app.

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<keyflow_web::App>::new().render();
}
