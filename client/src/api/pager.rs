//! Listing everything in pages (client-go `tools/pager`): `limit` + `continue` tokens, and a
//! full list when the continue token has expired (410) in the middle.

use futures::{Stream, TryStreamExt};
use k8s_apimachinery::{List, ListOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Api;
use crate::Error;

/// client-go's default page size.
pub const DEFAULT_PAGE_SIZE: i64 = 500;

struct PageState {
    options: ListOptions,
    done: bool,
    /// Set when a page came from a full (unpaged) list after an expired continue token.
    full_list: bool,
}

impl<K> Api<K>
where
    K: DeserializeOwned + Serialize + Clone + Send + 'static,
{
    /// Every page of a list, as a stream of pages (page size `options.limit`, default 500).
    /// When the server's continue token expires mid-way, falls back to one full list from the
    /// start, as client-go's pager does with `FullListIfExpired`: that full list is the last
    /// page, so objects of the pages before it come again (client-go's `EachListItem` does the
    /// same). To get one consistent whole, use [`Api::list_paged`] or [`Api::list_all`].
    pub fn list_pages(
        &self,
        options: &ListOptions,
    ) -> impl Stream<Item = Result<List<K>, Error>> + Send + use<K> {
        self.pages(options).map_ok(|(page, _)| page)
    }

    /// The pages of a list, each with whether it is the full list that replaced the earlier
    /// pages after an expired continue token.
    fn pages(
        &self,
        options: &ListOptions,
    ) -> impl Stream<Item = Result<(List<K>, bool), Error>> + Send + use<K> {
        let mut options = options.clone();
        if options.limit.is_none_or(|l| l <= 0) {
            options.limit = Some(DEFAULT_PAGE_SIZE);
        }
        let api = self.clone();
        let state = PageState {
            options,
            done: false,
            full_list: false,
        };
        futures::stream::try_unfold(state, move |mut state| {
            let api = api.clone();
            async move {
                if state.done {
                    return Ok(None);
                }
                let page = match api.list(&state.options).await {
                    Ok(page) => page,
                    Err(e) if e.is_gone() && state.options.continue_token.is_some() => {
                        tracing::debug!("continue token expired; falling back to a full list");
                        let mut full = state.options.clone();
                        full.limit = None;
                        full.continue_token = None;
                        state.full_list = true;
                        api.list(&full).await?
                    }
                    Err(e) => return Err(e),
                };
                match page
                    .metadata
                    .continue_token
                    .clone()
                    .filter(|c| !c.is_empty())
                {
                    Some(token) if !state.full_list => state.options.continue_token = Some(token),
                    _ => state.done = true,
                }
                Ok(Some(((page, state.full_list), state)))
            }
        })
    }

    /// Every object of a list, fetched page by page ([`Api::list_pages`]), as a stream.
    pub fn list_all_stream(
        &self,
        options: &ListOptions,
    ) -> impl Stream<Item = Result<K, Error>> + Send + use<K> {
        self.list_pages(options)
            .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Every object of a list, fetched page by page, collected (see [`Api::list_paged`]).
    pub async fn list_all(&self, options: &ListOptions) -> Result<Vec<K>, Error> {
        Ok(self.list_paged(options).await?.items)
    }

    /// Every page of a list joined into one list whose metadata (resourceVersion) is the last
    /// page's, as client-go's `ListPager.List`: when the continue token expires mid-way, the
    /// pages read so far are dropped and one full list replaces them, so the result is always
    /// one consistent state of the collection.
    pub async fn list_paged(&self, options: &ListOptions) -> Result<List<K>, Error> {
        let pages = self.pages(options);
        futures::pin_mut!(pages);
        let mut whole: Option<List<K>> = None;
        while let Some((page, replaces_earlier)) = pages.try_next().await? {
            whole = Some(match whole {
                Some(mut acc) if !replaces_earlier => {
                    acc.items.extend(page.items);
                    acc.metadata = page.metadata;
                    acc
                }
                _ => page,
            });
        }
        Ok(whole.unwrap_or_default())
    }
}
