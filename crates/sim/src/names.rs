//! Closed sets of names, each spelled once.
//!
//! `names!` declares an enum together with its wire spelling; the scenario
//! reader, serde output, the text renderer and the UI all take the spelling
//! from here, so a value is never written twice.

/// An enum whose values have one fixed spelling each.
pub trait Named: Sized + Copy + 'static {
    /// Every spelling, in declaration order (for "expected one of" messages and menus).
    const NAMES: &'static [&'static str];
    fn name(self) -> &'static str;
    fn from_name(text: &str) -> Option<Self>;
}

macro_rules! names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl $crate::names::Named for $name {
            const NAMES: &'static [&'static str] = &[$($text,)+];

            fn name(self) -> &'static str {
                self.as_str()
            }

            fn from_name(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                <$name as $crate::names::Named>::from_name(text).ok_or_else(|| {
                    $crate::names::UnknownName::new::<$name>(text)
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

pub(crate) use names;

/// A spelling that names no value of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub text: String,
    pub expected: &'static [&'static str],
}

impl UnknownName {
    pub fn new<T: Named>(text: &str) -> Self {
        UnknownName {
            text: text.to_string(),
            expected: T::NAMES,
        }
    }
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown value \"{}\" (expected one of: {})",
            self.text,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

#[cfg(test)]
mod tests {
    use super::*;

    names! {
        /// A test set.
        pub enum Colour {
            Red = "red",
            DarkBlue = "dark-blue",
        }
    }

    #[test]
    fn one_spelling_in_every_direction() {
        assert_eq!(Colour::DarkBlue.as_str(), "dark-blue");
        assert_eq!(Colour::from_name("red"), Some(Colour::Red));
        assert_eq!("dark-blue".parse::<Colour>(), Ok(Colour::DarkBlue));
        let e = "Red".parse::<Colour>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown value \"Red\" (expected one of: red, dark-blue)"
        );
        assert_eq!(serde_json::to_string(&Colour::Red).unwrap(), "\"red\"");
        assert_eq!(Colour::ALL.len(), Colour::NAMES.len());
    }
}
