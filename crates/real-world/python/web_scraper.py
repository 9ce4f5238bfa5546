"""The guide's AsyncWebScraper: at most two requests at a time, a polite
pause after each request, and a report of what succeeded and what failed.

The asyncio twin of crates/real-world/src/web_scraper.rs.
"""

import asyncio
import sys

import aiohttp

REQUEST_TIMEOUT = 5


class AsyncWebScraper:
    def __init__(self, max_concurrent, delay):
        if max_concurrent < 1:
            raise ValueError("a scraper needs room for at least one request at a time")
        self.semaphore = asyncio.Semaphore(max_concurrent)
        self.max_concurrent = max_concurrent
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0

    async def fetch_url(self, session, url):
        async with self.semaphore:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                try:
                    async with session.get(url) as response:
                        response.raise_for_status()
                        return await response.text()
                finally:
                    # Politeness after every request, failed or not, still
                    # holding the slot.
                    await asyncio.sleep(self.delay)
            finally:
                self.in_flight -= 1

    async def scrape_multiple(self, urls):
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT, connect=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            pages = await asyncio.gather(*(self.fetch_url(session, url) for url in urls), return_exceptions=True)
        successful, failed = [], []
        for url, page in zip(urls, pages):
            if isinstance(page, aiohttp.ClientResponseError):
                failed.append((url, f"{page.status} {page.message}"))
            elif isinstance(page, BaseException):
                failed.append((url, str(page)))
            else:
                successful.append((url, len(page)))
        return successful, failed


async def main():
    base_url = sys.argv[1]
    paths = [
        "/drip?duration=1&numbytes=10",
        "/drip?duration=2&numbytes=20",
        "/json",
        "/html",
        "/status/404",
        "/status/500",
    ]
    urls = [f"{base_url}{path}" for path in paths]
    scraper = AsyncWebScraper(2, 0.1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    successful, failed = await scraper.scrape_multiple(urls)
    elapsed = loop.time() - start
    print("Successful scrapes:")
    for url, characters in successful:
        print(f"  {url.removeprefix(base_url)}: {characters} characters")
    print("Failed scrapes:")
    for url, error in failed:
        print(f"  {url.removeprefix(base_url)}: {error}")
    print(f"Scraped {len(urls)} URLs in {elapsed:.1f}s, at most {scraper.most_in_flight} at a time")
    assert scraper.most_in_flight <= scraper.max_concurrent


asyncio.run(main())
