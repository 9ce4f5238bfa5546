"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Async Database Operations", as the guide wrote it, with its crash fixed:
each of its calls connected to ':memory:' anew, a new empty database each
time, so the insert failed with "no such table: users". Here the wrapper
opens one connection and a lock gives it to one call at a time. And
*Python Async Programming: A Detailed Guide*'s `fetch_users`, on this `db`.
"""

import asyncio
import sqlite3

class AsyncSQLiteWrapper:
    """Wrapper to make SQLite operations async-friendly"""
    
    def __init__(self, db_path):
        self.conn = sqlite3.connect(db_path, check_same_thread=False)
        self.lock = asyncio.Lock()  # one call at a time on the one connection
    
    async def execute(self, query, params=None):
        """Execute query in thread pool"""
        loop = asyncio.get_running_loop()
        
        def _execute():
            with self.conn as conn:
                cursor = conn.cursor()
                if params:
                    cursor.execute(query, params)
                else:
                    cursor.execute(query)
                
                if query.strip().upper().startswith('SELECT'):
                    return cursor.fetchall()
                else:
                    return cursor.rowcount
        
        async with self.lock:
            return await loop.run_in_executor(None, _execute)
    
    async def executemany(self, query, params_list):
        """Execute query with multiple parameter sets"""
        loop = asyncio.get_running_loop()
        
        def _executemany():
            with self.conn as conn:
                cursor = conn.cursor()
                cursor.executemany(query, params_list)
                return cursor.rowcount
        
        async with self.lock:
            return await loop.run_in_executor(None, _executemany)

async def fetch_users(db):
    users = await db.execute("SELECT id, name, email FROM users ORDER BY id")
    return users

async def database_example():
    db = AsyncSQLiteWrapper(':memory:')
    
    # Create table
    await db.execute('''
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT UNIQUE
        )
    ''')
    
    # Insert data concurrently
    users = [
        ("Alice", "alice@example.com"),
        ("Bob", "bob@example.com"),
        ("Charlie", "charlie@example.com")
    ]
    
    # Batch insert
    await db.executemany(
        "INSERT INTO users (name, email) VALUES (?, ?)",
        users
    )
    
    # Concurrent queries
    async def get_user_by_name(name):
        result = await db.execute(
            "SELECT * FROM users WHERE name = ?", 
            (name,)
        )
        return result[0] if result else None
    
    # Query multiple users concurrently
    names = ["Alice", "Bob", "Charlie"]
    tasks = [get_user_by_name(name) for name in names]
    results = await asyncio.gather(*tasks)
    
    for user in results:
        if user:
            print(f"User: {user}")
    print(f"All users: {[name for (_, name, _) in await fetch_users(db)]}")

asyncio.run(database_example())
