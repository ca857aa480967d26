//! The vendor's activation service in a few lines (feature `server`): the
//! authority over its SQLite ledger, served under `/v1/` until Ctrl-C or
//! SIGTERM. `nodelock serve` is the same thing with more options.
//!
//! ```text
//! cargo build --features cli,server
//! N=target/debug/nodelock D=target/server-demo
//! $N keys generate --out $D/keys
//! $N license issue --key $D/keys/secret.key --product com.example.app --licensee ACME --seats 5 \
//!     --lease-days 30 --out $D/acme.lic
//! $N authority init --db $D/ledger.db --key $D/keys/secret.key
//! $N authority add-license --db $D/ledger.db $D/acme.lic        # prints the license key too
//! cargo run --example activation_server --features server -- $D/ledger.db $D/keys/secret.key 127.0.0.1:8080
//! # on a customer's machine:
//! $N activate online --license $D/acme.lic --server http://127.0.0.1:8080
//! ```

use std::error::Error;
use std::sync::Arc;

use nodelock::SecretKey;
use nodelock::authority::{Authority, SqliteLedger};
use nodelock::server::{self, Config};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, key, listen] = args.as_slice() else {
        return Err("usage: activation_server LEDGER.db SECRET.key ADDR:PORT".into());
    };
    let authority = Arc::new(Authority::new(
        SecretKey::read_file(std::path::Path::new(key))?,
        SqliteLedger::open_existing(db)?,
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().enable_time().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        println!("listening on http://{}", listener.local_addr()?);
        server::serve(listener, authority, Config::default(), server::shutdown_signal()).await?;
        Ok(())
    })
}
