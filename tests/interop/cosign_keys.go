// cosign_keys: the key side of cosign, written with the Go libraries cosign
// itself runs (encoding/json, golang.org/x/crypto/scrypt and nacl/secretbox,
// crypto/x509, crypto/ecdsa), to prove palisade's keys and signatures
// interoperate with them (tests/integration/test_supply.sh). Test tool only.
//
//	cosign_keys keygen PREFIX PASSWORD          PREFIX.key, PREFIX.pub as cosign writes them
//	cosign_keys sign KEY PASSWORD FILE          base64 ECDSA signature of FILE
//	cosign_keys verify PUB FILE B64SIG          exit 0 when it verifies
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

type envelope struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

func boxKey(pass []byte, e *envelope) (*[32]byte, error) {
	k, err := scrypt.Key(pass, e.KDF.Salt, e.KDF.Params.N, e.KDF.Params.R, e.KDF.Params.P, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	copy(key[:], k)
	return &key, nil
}

func loadKey(path string, pass []byte) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil || (block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" && block.Type != "ENCRYPTED COSIGN PRIVATE KEY") {
		return nil, errors.New("not an encrypted cosign key")
	}
	var e envelope
	if err := json.Unmarshal(block.Bytes, &e); err != nil {
		return nil, err
	}
	if e.KDF.Name != "scrypt" || e.Cipher.Name != "nacl/secretbox" || len(e.Cipher.Nonce) != 24 {
		return nil, errors.New("unexpected kdf or cipher")
	}
	key, err := boxKey(pass, &e)
	if err != nil {
		return nil, err
	}
	var nonce [24]byte
	copy(nonce[:], e.Cipher.Nonce)
	der, ok := secretbox.Open(nil, e.Ciphertext, &nonce, key)
	if !ok {
		return nil, errors.New("decryption failed")
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not ECDSA")
	}
	return ec, nil
}

func keygen(prefix string, pass []byte) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	var e envelope
	e.KDF.Name, e.KDF.Params.N, e.KDF.Params.R, e.KDF.Params.P = "scrypt", 65536, 8, 1
	e.KDF.Salt = make([]byte, 32)
	e.Cipher.Name = "nacl/secretbox"
	e.Cipher.Nonce = make([]byte, 24)
	if _, err := rand.Read(e.KDF.Salt); err != nil {
		return err
	}
	if _, err := rand.Read(e.Cipher.Nonce); err != nil {
		return err
	}
	key, err := boxKey(pass, &e)
	if err != nil {
		return err
	}
	var nonce [24]byte
	copy(nonce[:], e.Cipher.Nonce)
	e.Ciphertext = secretbox.Seal(nil, der, &nonce, key)
	body, err := json.Marshal(&e)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(prefix+".key", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: body}), 0600); err != nil {
		return err
	}
	return os.WriteFile(prefix+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0644)
}

func run(args []string) error {
	switch {
	case len(args) == 3 && args[0] == "keygen":
		return keygen(args[1], []byte(args[2]))
	case len(args) == 4 && args[0] == "sign":
		k, err := loadKey(args[1], []byte(args[2]))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(args[3])
		if err != nil {
			return err
		}
		h := sha256.Sum256(data)
		sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
		if err != nil {
			return err
		}
		fmt.Println(base64.StdEncoding.EncodeToString(sig))
		return nil
	case len(args) == 4 && args[0] == "verify":
		raw, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		block, _ := pem.Decode(raw)
		if block == nil || block.Type != "PUBLIC KEY" {
			return errors.New("not a PEM public key")
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return err
		}
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return errors.New("not ECDSA")
		}
		data, err := os.ReadFile(args[2])
		if err != nil {
			return err
		}
		sig, err := base64.StdEncoding.DecodeString(args[3])
		if err != nil {
			return err
		}
		h := sha256.Sum256(data)
		if !ecdsa.VerifyASN1(ec, h[:], sig) {
			return errors.New("signature does not verify")
		}
		return nil
	}
	return errors.New("usage: keygen PREFIX PASS | sign KEY PASS FILE | verify PUB FILE B64SIG")
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cosign_keys:", err)
		os.Exit(1)
	}
}
