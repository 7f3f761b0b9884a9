//! The sandbox's rewrite changes no template's output: a text tera compiles is either refused by
//! the rewriter (never run unmetered) or compiles rewritten and, when it stays within the limits,
//! renders the same bytes as the original.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut plain = tera::Tera::new();
    plain.autoescape_on(Vec::<&str>::new());
    imgprompt::prompt::filters::register(&mut plain);
    if plain.add_raw_template("t", text).is_err() || imgprompt::prompt::sandbox::instrument(text).is_err() {
        return;
    }
    let file = imgprompt::prompt::render::TemplateFile {
        name: String::from("t"),
        text: text.into(),
        path: String::from("t"),
    };
    let compiled = imgprompt::prompt::render::Compiled::new(std::slice::from_ref(&file))
        .unwrap_or_else(|d| panic!("the rewrite of a valid template must compile: {d:?}"));
    let mut context = tera::Context::new();
    context.insert("items", &["a", "b", "c"]);
    context.insert("name", "Ada");
    let limits = imgprompt::prompt::render::Limits {
        timeout: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    if let Ok(ours) = compiled.render("t", &context, limits) {
        imgprompt::prompt::filters::reset_range_budget();
        // what the sandbox let through, tera renders unsandboxed in as little work
        let theirs = plain
            .render("t", &context)
            .expect("the original renders too");
        assert_eq!(ours, theirs);
    }
});
