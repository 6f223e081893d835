//! Reading a group folder: a `group.toml` naming the group and its member
//! programs, and beside it, optionally, the members' own program folders.

use std::path::{Path, PathBuf};
use twinaid_domain::error::{DomainError, Location, Problem};
use twinaid_domain::group::ProgramGroup;

/// What a group folder holds.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFolder {
    pub group: ProgramGroup,
    /// The group folder itself: its `choices.csv` applies to all its programs.
    pub path: PathBuf,
    /// Its subfolders that are program folders, by name: loaded before the group.
    pub program_folders: Vec<PathBuf>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupToml {
    code: String,
    name_zh: Option<String>,
    name_en: Option<String>,
    programs: Option<Vec<String>>,
}

fn problem(column: Option<&str>, error: DomainError) -> Problem {
    Problem::at(
        Location {
            file: Some("group.toml".into()),
            column: column.map(str::to_string),
            ..Location::default()
        },
        error,
    )
}

/// The code in a subfolder's `program.toml`, if it is a program folder.
fn program_code(folder: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Code {
        code: String,
    }
    let text = std::fs::read_to_string(folder.join("program.toml")).ok()?;
    // A program.toml has more keys; only its code is read here.
    let value: toml::Table = toml::from_str(&text).ok()?;
    let code: Code = value.try_into().ok()?;
    Some(code.code.trim().to_string())
}

/// Reads `path/group.toml`; `None` when the folder has none. Its members
/// are `programs`, or when it lists none, the programs of its subfolders.
pub fn read_group(path: &Path) -> Result<Option<GroupFolder>, Vec<Problem>> {
    if !path.is_dir() {
        // Not a folder at all: the program folder's reader says so.
        return Ok(None);
    }
    let file = path.join("group.toml");
    let text = match std::fs::read(&file) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            vec![problem(
                None,
                DomainError::BadGroupFile("it is not UTF-8 text".into()),
            )]
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(vec![problem(
                None,
                DomainError::BadGroupFile(e.to_string()),
            )]);
        }
    };
    let parsed: GroupToml = toml::from_str(&text)
        .map_err(|e| vec![problem(None, DomainError::BadGroupFile(e.message().into()))])?;
    let mut program_folders: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| vec![problem(None, DomainError::BadGroupFile(e.to_string()))])?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.join("program.toml").is_file())
        .collect();
    program_folders.sort();
    let programs = match parsed.programs {
        Some(listed) => listed,
        None => program_folders
            .iter()
            .filter_map(|f| program_code(f))
            .collect(),
    };
    let name_zh = parsed.name_zh.unwrap_or_default();
    let name_en = parsed.name_en.unwrap_or_default();
    let group = ProgramGroup::new(&parsed.code, &name_zh, &name_en, &programs).map_err(|e| {
        let column = match e {
            DomainError::EmptyGroup(_) => "programs",
            _ if twinaid_domain::record::parse_code(&parsed.code).is_err() => "code",
            _ => "programs",
        };
        vec![problem(Some(column), e)]
    })?;
    Ok(Some(GroupFolder {
        group,
        path: path.to_path_buf(),
        program_folders,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_group_lists_its_programs_or_takes_its_subfolders() {
        let listed = folder(&[(
            "group.toml",
            "code = \"national\"\nname_zh = \"全国\"\nprograms = [\"zj-sc\", \"fj-nx\"]\n",
        )]);
        let read = read_group(listed.path()).unwrap().unwrap();
        assert_eq!(read.group.programs, ["zj-sc", "fj-nx"]);
        assert_eq!(read.group.name_en, "全国");
        assert!(read.program_folders.is_empty());

        let nested = folder(&[
            (
                "group.toml",
                "code = \"east\"\nname_zh = \"东部\"\nname_en = \"East\"\n",
            ),
            (
                "b/program.toml",
                "code = \"fj-nx\"\nname_zh = \"闽宁\"\nstart_year = 1996\n",
            ),
            ("a/program.toml", "code = \"zj-sc\"\n"),
            ("c/notes.txt", "not a program"),
        ]);
        let read = read_group(nested.path()).unwrap().unwrap();
        assert_eq!(read.group.programs, ["zj-sc", "fj-nx"], "by folder name");
        assert_eq!(read.program_folders.len(), 2);

        assert!(read_group(folder(&[]).path()).unwrap().is_none());
    }

    #[test]
    fn a_bad_group_names_its_file_and_key() {
        let empty = folder(&[("group.toml", "code = \"g\"\nprograms = []\n")]);
        let problems = read_group(empty.path()).unwrap_err();
        assert_eq!(problems[0].location.column.as_deref(), Some("programs"));
        let typo = folder(&[("group.toml", "code = \"g\"\nprogram = [\"a\"]\n")]);
        let problems = read_group(typo.path()).unwrap_err();
        assert_eq!(problems[0].location.file.as_deref(), Some("group.toml"));
        let bad = folder(&[("group.toml", "code = \"a b\"\nprograms = [\"x\"]\n")]);
        let problems = read_group(bad.path()).unwrap_err();
        assert_eq!(problems[0].location.column.as_deref(), Some("code"));
    }
}
