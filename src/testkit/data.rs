//! The stand-in's projects and repositories, and their Bitbucket-shaped JSON.

use std::fmt::Write as _;

/// A project, as the stand-in keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) public: bool,
    /// Who may read it: `None` for every user who can log in (Bitbucket's "all licensed users"
    /// default permission), else only these users. Anonymous callers see public projects only.
    pub(crate) readers: Option<Vec<String>>,
}

/// A repository.
#[derive(Debug, Clone)]
pub(crate) struct Repository {
    pub(crate) id: u64,
    pub(crate) project_key: String,
    pub(crate) slug: String,
    pub(crate) name: String,
}

/// Every project and repository, in insertion order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub(crate) projects: Vec<Project>,
    pub(crate) repositories: Vec<Repository>,
    next_id: u64,
}

/// Bitbucket's slug rule, roughly: lowercase, runs of anything but `[a-z0-9._-]` become `-`.
pub(crate) fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            if pending_dash {
                slug.push('-');
                pending_dash = false;
            }
            slug.push(c);
        } else if !slug.is_empty() {
            pending_dash = true;
        }
    }
    slug
}

impl Catalog {
    /// The built-in sample data: two private projects and one public one.
    pub(crate) fn sample() -> Self {
        let mut c = Self::default();
        c.add_project("ENG", "Engineering", "Product code", false);
        c.add_project("OPS", "Operations", "Deployment and infrastructure", false);
        c.add_project("PUB", "Open Source", "Public projects", true);
        for name in ["api-server", "web-app", "mobile-app"] {
            c.add_repository("ENG", name);
        }
        c.add_repository("OPS", "deploy-scripts");
        c.add_repository("PUB", "bitbucket-oauth");
        c
    }

    /// The demo catalogue: the [sample](Self::sample) projects plus, for several pages of
    /// repositories and per-user visibility, `PLAT` (alice and bob: `service-01` to
    /// `service-30`), `DATA` (alice: `pipeline-01` to `pipeline-25`) and `MKT` (carol:
    /// `website`, `campaigns`, `brand-assets`, `newsletter`).
    pub(crate) fn demo() -> Self {
        let mut c = Self::sample();
        c.add_project("PLAT", "Platform", "Shared services", false);
        c.add_project("DATA", "Data", "Pipelines and reports", false);
        c.add_project("MKT", "Marketing", "Web site and campaigns", false);
        for user in ["alice", "bob"] {
            c.grant("PLAT", user);
        }
        c.grant("DATA", "alice");
        c.grant("MKT", "carol");
        for i in 1..=30 {
            c.add_repository("PLAT", &format!("service-{i:02}"));
        }
        for i in 1..=25 {
            c.add_repository("DATA", &format!("pipeline-{i:02}"));
        }
        for name in ["website", "campaigns", "brand-assets", "newsletter"] {
            c.add_repository("MKT", name);
        }
        c
    }

    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a project, or renames an existing one with the same key.
    pub(crate) fn add_project(&mut self, key: &str, name: &str, description: &str, public: bool) {
        if let Some(p) = self.projects.iter_mut().find(|p| p.key == key) {
            p.name = name.to_owned();
            p.description = description.to_owned();
            p.public = public;
            return;
        }
        let id = self.next();
        self.projects.push(Project {
            id,
            key: key.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            public,
            readers: None,
        });
    }

    /// Restricts a project to the users granted read access (the first grant makes it
    /// restricted); `false` when there is no such project.
    pub(crate) fn grant(&mut self, project_key: &str, user: &str) -> bool {
        let Some(p) = self.projects.iter_mut().find(|p| p.key == project_key) else {
            return false;
        };
        let readers = p.readers.get_or_insert_with(Vec::new);
        if !readers.iter().any(|r| r == user) {
            readers.push(user.to_owned());
        }
        true
    }

    /// Whether `user` (`None`: anonymous) may see the project.
    pub(crate) fn visible(p: &Project, user: Option<&str>) -> bool {
        match (user, &p.readers) {
            _ if p.public => true,
            (None, _) => false,
            (Some(_), None) => true,
            (Some(user), Some(readers)) => readers.iter().any(|r| r == user),
        }
    }

    /// Every repository `user` may see, project by project (in project order), each project's
    /// in insertion order: what `GET /rest/api/1.0/repos` lists.
    pub(crate) fn visible_repositories<'a>(
        &'a self,
        user: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Repository, &'a Project)> + 'a {
        self.projects
            .iter()
            .filter(move |p| Self::visible(p, user))
            .flat_map(move |p| {
                self.repositories
                    .iter()
                    .filter(move |r| r.project_key == p.key)
                    .map(move |r| (r, p))
            })
    }

    /// Adds a repository; `false` when the project does not exist. A repository whose slug already
    /// exists in the project is not added twice.
    pub(crate) fn add_repository(&mut self, project_key: &str, name: &str) -> bool {
        if !self.projects.iter().any(|p| p.key == project_key) {
            return false;
        }
        let slug = slugify(name);
        if self
            .repositories
            .iter()
            .any(|r| r.project_key == project_key && r.slug == slug)
        {
            return true;
        }
        let id = self.next();
        self.repositories.push(Repository {
            id,
            project_key: project_key.to_owned(),
            slug,
            name: name.to_owned(),
        });
        true
    }

    pub(crate) fn project(&self, key: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.key == key)
    }
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_link(out: &mut String, href: &str) {
    out.push_str("[{\"href\":");
    push_json_string(out, href);
    out.push_str("}]");
}

/// A project as Bitbucket's REST API 1.0 renders it.
pub(crate) fn project_json(out: &mut String, base: &str, p: &Project) {
    let _ = write!(out, "{{\"key\":");
    push_json_string(out, &p.key);
    let _ = write!(out, ",\"id\":{},\"name\":", p.id);
    push_json_string(out, &p.name);
    out.push_str(",\"description\":");
    push_json_string(out, &p.description);
    let _ = write!(
        out,
        ",\"public\":{},\"type\":\"NORMAL\",\"links\":{{\"self\":",
        p.public
    );
    push_link(out, &format!("{base}/projects/{}", p.key));
    out.push_str("}}");
}

/// A repository as Bitbucket's REST API 1.0 renders it.
pub(crate) fn repository_json(out: &mut String, base: &str, r: &Repository, p: &Project) {
    out.push_str("{\"slug\":");
    push_json_string(out, &r.slug);
    let _ = write!(out, ",\"id\":{},\"name\":", r.id);
    push_json_string(out, &r.name);
    out.push_str(
        ",\"hierarchyId\":\"0000000000000000\",\"scmId\":\"git\",\"state\":\"AVAILABLE\",\"statusMessage\":\"Available\",\"forkable\":true,\"project\":",
    );
    project_json(out, base, p);
    let _ = write!(out, ",\"public\":{},\"links\":{{\"clone\":[", p.public);
    let lower = p.key.to_ascii_lowercase();
    out.push_str("{\"href\":");
    push_json_string(out, &format!("{base}/scm/{lower}/{}.git", r.slug));
    out.push_str(",\"name\":\"http\"},{\"href\":");
    push_json_string(
        out,
        &format!("ssh://git@{}:7999/{lower}/{}.git", ssh_host(base), r.slug),
    );
    out.push_str(",\"name\":\"ssh\"}],\"self\":");
    push_link(
        out,
        &format!("{base}/projects/{}/repos/{}/browse", p.key, r.slug),
    );
    out.push_str("}}");
}

/// The host of a base URL (`http://host:port/ctx` -> `host`), for the SSH clone URL that
/// Bitbucket builds from its SSH base URL (`ssh://git@host:7999`, the default SSH port).
fn ssh_host(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if authority.starts_with('[') {
        return authority
            .find(']')
            .and_then(|end| authority.get(..=end))
            .unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Bitbucket's paged envelope around already-rendered `values`.
pub(crate) fn page_json(values: &[String], start: usize, limit: usize, total: usize) -> String {
    let is_last = start.saturating_add(values.len()) >= total;
    let mut out = String::with_capacity(values.iter().map(String::len).sum::<usize>() + 128);
    let _ = write!(
        out,
        "{{\"size\":{},\"limit\":{},\"isLastPage\":{},\"values\":[",
        values.len(),
        limit,
        is_last
    );
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(v);
    }
    let _ = write!(out, "],\"start\":{start}");
    if !is_last {
        let _ = write!(out, ",\"nextPageStart\":{}", start + values.len());
    }
    out.push('}');
    out
}

/// Bitbucket's error envelope.
pub(crate) fn error_json(message: &str, exception: &str) -> String {
    let mut out = String::from("{\"errors\":[{\"context\":null,\"message\":");
    push_json_string(&mut out, message);
    out.push_str(",\"exceptionName\":");
    push_json_string(&mut out, exception);
    out.push_str("}]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_host_of_a_base_url() {
        assert_eq!(ssh_host("http://127.0.0.1:7990/bitbucket"), "127.0.0.1");
        assert_eq!(ssh_host("https://git.example.com"), "git.example.com");
        assert_eq!(ssh_host("http://u@[::1]:80/x"), "[::1]");
    }

    #[test]
    fn slugs_and_json_strings() {
        assert_eq!(slugify("My Repo!  v2"), "my-repo-v2");
        assert_eq!(slugify("  -x- "), "-x-");
        let mut s = String::new();
        push_json_string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001é\"");
        assert_eq!(
            page_json(&["1".into(), "2".into()], 0, 2, 3),
            "{\"size\":2,\"limit\":2,\"isLastPage\":false,\"values\":[1,2],\"start\":0,\"nextPageStart\":2}"
        );
        assert_eq!(
            page_json(&["3".into()], 2, 2, 3),
            "{\"size\":1,\"limit\":2,\"isLastPage\":true,\"values\":[3],\"start\":2}"
        );
    }
}
