#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! The README's "Testing your controller against a real control plane" example, compiled and
//! run as the integration test of a user's crate would be (this crate has k8s-testenv as a
//! dependency, as a user's crate has it as a dev-dependency), and kept identical to the README.

// README begin
use k8s_apimachinery::{CreateOptions, ObjectMeta};
use k8s_client::Api;
use sample_controller::v1alpha1::{Foo, FooSpec};

#[tokio::test]
async fn foos_are_stored_as_sent() -> Result<(), Box<dyn std::error::Error>> {
    let env = k8s_testenv::TestEnv::new("readme-foos").await?;
    env.install_crds("../examples/sample-controller/crd")
        .await?;
    let foos: Api<Foo> = Api::namespaced(env.client()?, env.namespace());

    let spec = FooSpec {
        deployment_name: "web".into(),
        replicas: Some(2),
    };
    let web = Foo {
        metadata: ObjectMeta::named("web"),
        spec: Some(Box::new(spec)),
        ..Default::default()
    };
    let created = foos.create(&web, &CreateOptions::default()).await?;
    assert_eq!(created.spec, web.spec);
    Ok(())
}
// README end

#[test]
fn the_readme_shows_this_example() {
    let source = include_str!("testenv_readme.rs");
    let readme = include_str!("../../README.md");
    let example = source
        .split("// README begin\n")
        .nth(1)
        .and_then(|rest| rest.split("// README end").next())
        .expect("markers");
    assert!(
        readme.contains(example),
        "README.md must contain, verbatim:\n{example}"
    );
}
