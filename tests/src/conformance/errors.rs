//! Bad input: unknown resources, malformed bodies and patches, the wrong kind, invalid names,
//! bad selectors and options — the real server's status code, reason and message shape.

use http::Method;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, ListOptions, ResourceVersionMatch};
use serde_json::json;

use super::support::*;
use super::{Ctx, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("errors":
        unknown_resource_is_not_found,
        unknown_group_is_not_found,
        malformed_json_body_is_bad_request,
        wrong_kind_in_body_is_bad_request,
        missing_kind_in_body_is_taken_from_the_url,
        malformed_merge_patch_is_bad_request,
        malformed_json_patch_is_bad_request,
        unsupported_patch_content_type,
        invalid_name_is_invalid,
        missing_name_is_invalid,
        method_not_allowed,
        invalid_label_selector_is_bad_request,
        unknown_field_selector_is_bad_request,
        resource_version_match_without_resource_version_is_invalid,
        invalid_resource_version_is_bad_request,
    )
}

const JSON: &str = "application/json";

/// A resource or version that the group does not serve: 404 NotFound as a `Status`, with the
/// generic message and empty details.
async fn unknown_resource_is_not_found(ctx: Ctx) -> Outcome {
    for path in [
        format!("/api/v1/namespaces/{}/widgetz", ctx.namespace),
        format!("/apis/apps/v9/namespaces/{}/deployments", ctx.namespace),
        format!("/apis/apps/v1/namespaces/{}/widgetz/x", ctx.namespace),
    ] {
        let err = expect_error(
            &format!("GET {path}"),
            ctx.raw(Method::GET, &path, None).await,
            404,
            "NotFound",
            "the server could not find the requested resource",
        )?;
        expect_details(&format!("GET {path}"), &err, None, None, None)?;
        expect_causes(&format!("GET {path}"), &err, &[])?;
    }
    Ok(())
}

/// A group the server does not know: 404 with the plain-text body `404 page not found` (not a
/// `Status`), which the client turns into NotFound keeping the text as the cause.
async fn unknown_group_is_not_found(ctx: Ctx) -> Outcome {
    let path = format!(
        "/apis/nope.example.com/v1/namespaces/{}/foos",
        ctx.namespace
    );
    let err = expect_error(
        "GET of an unknown group",
        ctx.raw(Method::GET, &path, None).await,
        404,
        "NotFound",
        "the server could not find the requested resource",
    )?;
    expect_causes(
        "GET of an unknown group",
        &err,
        &[("UnexpectedServerResponse", "", "404 page not found")],
    )?;
    // Discovery of an unknown group or version is not routed either.
    for path in ["/apis/nope.example.com/v1", "/apis/nope.example.com"] {
        let err = expect_error(
            &format!("discovery GET {path}"),
            ctx.raw(Method::GET, path, None).await,
            404,
            "NotFound",
            "the server could not find the requested resource",
        )?;
        expect_causes(
            &format!("discovery GET {path}"),
            &err,
            &[("UnexpectedServerResponse", "", "404 page not found")],
        )?;
    }
    Ok(())
}

/// A body that is not JSON: 400 naming the expected kind and the parser's complaint.
async fn malformed_json_body_is_bad_request(ctx: Ctx) -> Outcome {
    expect_error(
        "POST of a truncated JSON body",
        ctx.raw(
            Method::POST,
            &ctx.path::<ConfigMap>(),
            Some((JSON, br#"{"metadata":"#.to_vec())),
        )
        .await,
        400,
        "BadRequest",
        r#"the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: *"#,
    )?;
    Ok(())
}

/// Another kind (or group) in the body: 400, the body's kind cannot be handled as the URL's.
async fn wrong_kind_in_body_is_bad_request(ctx: Ctx) -> Outcome {
    for (body, kind) in [
        (
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}),
            "Secret",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "s"}}),
            "Deployment",
        ),
    ] {
        expect_error(
            &format!("POST of a {kind} to configmaps"),
            ctx.raw(
                Method::POST,
                &ctx.path::<ConfigMap>(),
                Some((JSON, body.to_string().into_bytes())),
            )
            .await,
            400,
            "BadRequest",
            &format!(r#"{kind} in version "v1" cannot be handled as a ConfigMap: *"#),
        )?;
    }
    Ok(())
}

/// A body without apiVersion and kind is taken as the URL's kind.
async fn missing_kind_in_body_is_taken_from_the_url(ctx: Ctx) -> Outcome {
    let created = ctx
        .raw(
            Method::POST,
            &ctx.path::<ConfigMap>(),
            Some((
                JSON,
                br#"{"metadata":{"name":"bare"},"data":{"a":"1"}}"#.to_vec(),
            )),
        )
        .await?;
    ensure_eq!(
        (&created["kind"], &created["apiVersion"]),
        (&json!("ConfigMap"), &json!("v1")),
        "kind and apiVersion of the answer"
    );
    ensure_eq!(created["data"], json!({"a": "1"}), "data");
    Ok(())
}

/// Merge and strategic merge patches that are not JSON objects: 400.
async fn malformed_merge_patch_is_bad_request(ctx: Ctx) -> Outcome {
    ctx.json::<ConfigMap>()
        .create(
            &config_map("p", json!({"a": "1"}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let path = format!("{}/p", ctx.path::<ConfigMap>());
    for (content_type, body, message) in [
        (
            "application/merge-patch+json",
            "{\"data\":",
            "invalid JSON patch",
        ),
        (
            "application/strategic-merge-patch+json",
            "{\"data\":",
            "invalid JSON patch",
        ),
        (
            "application/merge-patch+json",
            "[1]",
            "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
    ] {
        expect_error(
            &format!("{content_type} {body:?}"),
            ctx.raw(
                Method::PATCH,
                &path,
                Some((content_type, body.as_bytes().to_vec())),
            )
            .await,
            400,
            "BadRequest",
            message,
        )?;
    }
    Ok(())
}

/// A JSON patch that is not a list of operations: 400; an unknown operation: 422.
async fn malformed_json_patch_is_bad_request(ctx: Ctx) -> Outcome {
    ctx.json::<ConfigMap>()
        .create(
            &config_map("p", json!({"a": "1"}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let path = format!("{}/p", ctx.path::<ConfigMap>());
    let json_patch = "application/json-patch+json";
    expect_error(
        "a JSON patch that is an object",
        ctx.raw(
            Method::PATCH,
            &path,
            Some((json_patch, br#"{"op":"add"}"#.to_vec())),
        )
        .await,
        400,
        "BadRequest",
        "error decoding patch: json: cannot unmarshal object into Go value of type *",
    )?;
    expect_error(
        "a JSON patch with an unknown operation",
        ctx.raw(
            Method::PATCH,
            &path,
            Some((
                json_patch,
                br#"[{"op":"frob","path":"/data/a","value":"x"}]"#.to_vec(),
            )),
        )
        .await,
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
    )?;
    Ok(())
}

/// A patch with a content type that is no patch type: 415.
async fn unsupported_patch_content_type(ctx: Ctx) -> Outcome {
    ctx.json::<ConfigMap>()
        .create(
            &config_map("p", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let path = format!("{}/p", ctx.path::<ConfigMap>());
    expect_error(
        "PATCH with text/plain",
        ctx.raw(
            Method::PATCH,
            &path,
            Some(("text/plain", b"hello".to_vec())),
        )
        .await,
        415,
        "UnsupportedMediaType",
        "415: Unsupported Media Type",
    )?;
    Ok(())
}

/// A name that is no DNS subdomain: 422 Invalid with the field, the value and the rule.
async fn invalid_name_is_invalid(ctx: Ctx) -> Outcome {
    let err = expect_error(
        "create of ConfigMap Bad_Name",
        ctx.json::<ConfigMap>()
            .create(
                &config_map("Bad_Name", json!({}), json!({})),
                &CreateOptions::default(),
            )
            .await,
        422,
        "Invalid",
        r#"ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is *)"#,
    )?;
    expect_details("Invalid", &err, Some("Bad_Name"), None, Some("ConfigMap"))?;
    expect_causes(
        "Invalid",
        &err,
        &[(
            "FieldValueInvalid",
            "metadata.name",
            r#"Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of *"#,
        )],
    )
}

/// Neither name nor generateName: 422 Invalid, a required value.
async fn missing_name_is_invalid(ctx: Ctx) -> Outcome {
    let err = expect_error(
        "create without a name",
        ctx.json::<ConfigMap>()
            .create(&json!({"metadata": {}}), &CreateOptions::default())
            .await,
        422,
        "Invalid",
        r#"ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required"#,
    )?;
    expect_details("Invalid", &err, None, None, Some("ConfigMap"))?;
    expect_causes(
        "Invalid",
        &err,
        &[(
            "FieldValueRequired",
            "metadata.name",
            "Required value: name or generateName is required",
        )],
    )
}

/// POST to an object: 405.
async fn method_not_allowed(ctx: Ctx) -> Outcome {
    let path = format!("{}/x", ctx.path::<ConfigMap>());
    expect_error(
        "POST to an object",
        ctx.raw(Method::POST, &path, Some((JSON, b"{}".to_vec())))
            .await,
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )?;
    Ok(())
}

/// A label selector that does not parse: 400 with the parser's message.
async fn invalid_label_selector_is_bad_request(ctx: Ctx) -> Outcome {
    expect_error(
        "list with labelSelector \"a in (\"",
        ctx.json::<ConfigMap>()
            .list(&ListOptions::default().labels("a in ("))
            .await,
        400,
        "BadRequest",
        "unable to parse requirement: *",
    )?;
    Ok(())
}

/// A field the kind does not index: 400 naming the fields it does.
async fn unknown_field_selector_is_bad_request(ctx: Ctx) -> Outcome {
    expect_error(
        "list with fieldSelector spec.foo=bar",
        ctx.json::<ConfigMap>()
            .list(&ListOptions::default().fields("spec.foo=bar"))
            .await,
        400,
        "BadRequest",
        r#""spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace""#,
    )?;
    Ok(())
}

/// `resourceVersionMatch` without `resourceVersion`: 422 for the ListOptions.
async fn resource_version_match_without_resource_version_is_invalid(ctx: Ctx) -> Outcome {
    let err = expect_error(
        "list with resourceVersionMatch=Exact and no resourceVersion",
        ctx.json::<ConfigMap>()
            .list(&ListOptions::default().resource_version_match(ResourceVersionMatch::Exact))
            .await,
        422,
        "Invalid",
        r#"ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"#,
    )?;
    expect_details(
        "Invalid",
        &err,
        None,
        Some("meta.k8s.io"),
        Some("ListOptions"),
    )
}

/// A resourceVersion that is not a number: 400.
async fn invalid_resource_version_is_bad_request(ctx: Ctx) -> Outcome {
    expect_error(
        "list with resourceVersion=abc",
        ctx.json::<ConfigMap>()
            .list(&ListOptions::default().resource_version("abc"))
            .await,
        400,
        "BadRequest",
        r#"invalid resource version: resourceVersion: Invalid value: "abc": *"#,
    )?;
    Ok(())
}
